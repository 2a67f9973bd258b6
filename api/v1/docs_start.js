// Starts Swagger UI on the API docs page; the spec's address comes from the page itself.
window.addEventListener("DOMContentLoaded", function () {
  var target = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: target.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
  });
});
