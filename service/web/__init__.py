"""The web app served by `stratmap serve` at `/`: server-rendered pages for managers and strategy
teams, with browser sessions (service.web.sessions)."""

from service.web.pages import web_routes
from service.web.sessions import COOKIE, Session, Sessions

__all__ = ["COOKIE", "Session", "Sessions", "web_routes"]
