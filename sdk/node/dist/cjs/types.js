"use strict";
/** The API's objects, as /v1 (camelCase), /respond and GraphQL return them. */
Object.defineProperty(exports, "__esModule", { value: true });
