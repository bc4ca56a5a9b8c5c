// Swagger UI for /openapi.json: try-it-out against this server, a bearer token under
// "Authorize". A file of its own because the page's Content-Security-Policy forbids inline
// scripts; nothing is fetched from anywhere but this server.
"use strict";
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  displayRequestDuration: true,
  docExpansion: "list",
  defaultModelsExpandDepth: 0,
  filter: true,
  showExtensions: false,
  tryItOutEnabled: false,
  persistAuthorization: false,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
