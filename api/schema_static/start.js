// Starts Swagger UI on this server's OpenAPI document (its address is in the page: data-document).
// No validator badge (it would call validator.swagger.io) and the base layout without the box that loads other
// documents: the page requests nothing but this server.
"use strict";

const root = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({
  url: root.dataset.document,
  domNode: root,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  validatorUrl: null,
  deepLinking: true,
  displayRequestDuration: true,
  defaultModelsExpandDepth: 0,
});
