"""Interactive API docs served from this app (hospital networks block CDNs): Swagger UI's
files come from the fastapi-offline package, the page and its start script from here, so the
page runs under a CSP without inline scripts."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

SWAGGER_ASSETS = Path(fastapi_offline.__file__).parent / "static"
START_SCRIPT = Path(__file__).parent / "docs_start.js"
DOCS_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)

router = APIRouter(include_in_schema=False)
swagger_assets = StaticFiles(directory=SWAGGER_ASSETS)


@router.get("/docs")
def docs_page(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Peer Support API v1</title>
<link rel="stylesheet" href="{root}/docs-assets/swagger-ui.css">
</head><body>
<div id="swagger-ui" data-openapi-url="{root}/openapi.json"></div>
<script src="{root}/docs-assets/swagger-ui-bundle.js"></script>
<script src="{root}/docs-start.js"></script>
</body></html>"""
    return HTMLResponse(page, headers={"Content-Security-Policy": DOCS_POLICY})


@router.get("/docs-start.js")
def docs_start_script() -> FileResponse:
    return FileResponse(START_SCRIPT, media_type="text/javascript")
