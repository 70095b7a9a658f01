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
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/static/graphiql.css">
  <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL...</div>
  <script src="/static/react.js"></script>
  <script src="/static/react-dom.js"></script>
  <script src="/static/graphiql.js"></script>
  <script>
    // Put your token in the Headers tab: {"Authorization": "Bearer smt_..."}. Until a token is
    // there nothing is sent: the schema is fetched once one is (the refresh button, or the first
    // query run), so the page opens without an error the user did not cause.
    const send = GraphiQL.createFetcher({ url: window.location.pathname });
    const hasToken = (headers) => {
      const auth = headers && (headers.Authorization || headers.authorization);
      return typeof auth === "string" && /^Bearer\\s+smt_\\S+$/.test(auth.trim());
    };
    const fetcher = (params, options) => {
      if (hasToken(options && options.headers)) return send(params, options);
      if (params.operationName === "IntrospectionQuery") return new Promise(() => {});
      return Promise.resolve({ errors: [{ message:
        'Put your token in the Headers tab first: {"Authorization": "Bearer smt_..."} '
        + "(make one with: stratmap token create --tenant ORG --role viewer)" }] });
    };
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
