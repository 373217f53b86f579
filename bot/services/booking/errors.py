"""The service's error bodies: every error is {"error": code, "message": text}, validation adds details."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


class ApiError(HTTPException):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(status_code=status, detail={"error": error, "message": message})


async def _invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
    details = [{"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]} for e in error.errors()]
    return JSONResponse(
        status_code=422, content={"error": "invalid_request", "message": "the request is not valid", "details": details}
    )


async def _http_error(_request: Request, error: HTTPException) -> JSONResponse:
    content = error.detail if isinstance(error.detail, dict) else {"error": "http_error", "message": str(error.detail)}
    return JSONResponse(status_code=error.status_code, content=content, headers=getattr(error, "headers", None))


def add_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(HTTPException, _http_error)
