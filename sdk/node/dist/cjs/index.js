"use strict";
/** @vocalia/sdk: the VocalIA API from Node.js (18+), with no runtime dependency. */
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __exportStar = (this && this.__exportStar) || function(m, exports) {
    for (var p in m) if (p !== "default" && !Object.prototype.hasOwnProperty.call(exports, p)) __createBinding(exports, m, p);
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.verifyWebhook = exports.verifyStandardWebhook = exports.signWebhook = exports.signStandardWebhook = exports.isValidWebhookSignature = exports.VERSION = exports.streamUrl = exports.decodeAudio = exports.VoiceStream = exports.PagePromise = exports.Page = exports.parseRetryAfter = exports.backoffDelay = exports.DEFAULT_BASE_URL = exports.VocalIA = void 0;
const client_js_1 = require("./client.js");
var client_js_2 = require("./client.js");
Object.defineProperty(exports, "VocalIA", { enumerable: true, get: function () { return client_js_2.VocalIA; } });
Object.defineProperty(exports, "DEFAULT_BASE_URL", { enumerable: true, get: function () { return client_js_2.DEFAULT_BASE_URL; } });
__exportStar(require("./errors.js"), exports);
var http_js_1 = require("./http.js");
Object.defineProperty(exports, "backoffDelay", { enumerable: true, get: function () { return http_js_1.backoffDelay; } });
Object.defineProperty(exports, "parseRetryAfter", { enumerable: true, get: function () { return http_js_1.parseRetryAfter; } });
var pagination_js_1 = require("./pagination.js");
Object.defineProperty(exports, "Page", { enumerable: true, get: function () { return pagination_js_1.Page; } });
Object.defineProperty(exports, "PagePromise", { enumerable: true, get: function () { return pagination_js_1.PagePromise; } });
var stream_js_1 = require("./stream.js");
Object.defineProperty(exports, "VoiceStream", { enumerable: true, get: function () { return stream_js_1.VoiceStream; } });
Object.defineProperty(exports, "decodeAudio", { enumerable: true, get: function () { return stream_js_1.decodeAudio; } });
Object.defineProperty(exports, "streamUrl", { enumerable: true, get: function () { return stream_js_1.streamUrl; } });
var version_js_1 = require("./version.js");
Object.defineProperty(exports, "VERSION", { enumerable: true, get: function () { return version_js_1.VERSION; } });
var webhooks_js_1 = require("./webhooks.js");
Object.defineProperty(exports, "isValidWebhookSignature", { enumerable: true, get: function () { return webhooks_js_1.isValidWebhookSignature; } });
Object.defineProperty(exports, "signStandardWebhook", { enumerable: true, get: function () { return webhooks_js_1.signStandardWebhook; } });
Object.defineProperty(exports, "signWebhook", { enumerable: true, get: function () { return webhooks_js_1.signWebhook; } });
Object.defineProperty(exports, "verifyStandardWebhook", { enumerable: true, get: function () { return webhooks_js_1.verifyStandardWebhook; } });
Object.defineProperty(exports, "verifyWebhook", { enumerable: true, get: function () { return webhooks_js_1.verifyWebhook; } });
exports.default = client_js_1.VocalIA;
