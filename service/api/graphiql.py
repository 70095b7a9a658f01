"""GraphiQL served by stratmap itself: assets come from npm at setup, never from a CDN."""

from __future__ import annotations

from pathlib import Path

WEB = Path(__file__).resolve().parent / "web" / "node_modules"
ASSETS = {
    "react.js": WEB / "react" / "umd" / "react.production.min.js",
    "react-dom.js": WEB / "react-dom" / "umd" / "react-dom.production.min.js",
    "graphiql.js": WEB / "graphiql" / "graphiql.min.js",
    "graphiql.css": WEB / "graphiql" / "graphiql.min.css",
}

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>stratmap GraphQL</title>
  <link rel="stylesheet" href="/static/graphiql.css">
  <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL...</div>
  <script src="/static/react.js"></script>
  <script src="/static/react-dom.js"></script>
  <script src="/static/graphiql.js"></script>
  <script>
    // Put your token in the Headers tab: {"Authorization": "Bearer smt_..."}
    const fetcher = GraphiQL.createFetcher({ url: window.location.pathname });
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, {
        fetcher,
        defaultEditorToolsVisibility: true,
        defaultHeaders: JSON.stringify(
          { Authorization: "Bearer <token from: stratmap token create>" }, null, 2),
        defaultQuery: "{\\n  alignment { score counts }\\n"
          + "  alignmentGaps(first: 10) {\\n    totalCount\\n"
          + "    edges { node { reason strandedWork middleManagement breakPoint { id title } } }\\n"
          + "  }\\n}\\n",
      }),
    );
  </script>
</body>
</html>
"""


def missing_assets() -> list[str]:
    return [str(p) for p in ASSETS.values() if not p.exists()]
