// Starts the vendored Swagger UI on the API's own OpenAPI document (no inline script: CSP).
window.addEventListener("DOMContentLoaded", function () {
  const root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.spec,
    dom_id: "#swagger-ui",
    deepLinking: true,
    // The page's own session: Swagger UI's calls send its CSRF token.
    requestInterceptor: function (request) {
      request.headers["X-CSRFToken"] = root.dataset.csrf;
      return request;
    },
  });
});
