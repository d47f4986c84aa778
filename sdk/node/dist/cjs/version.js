"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.VERSION = void 0;
/** The SDK's version, sent in the User-Agent header (kept equal to package.json by a test). */
exports.VERSION = "0.1.0";
