"""The bare Flask handler the load benchmark compares against (served the same way as the app)."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "ok"
