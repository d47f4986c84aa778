/** The API's objects, as /v1 (camelCase), /respond and GraphQL return them. */
export {};
