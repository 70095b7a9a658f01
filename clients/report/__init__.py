"""The reporting client: collects findings through the API and renders html, md, csv or json."""
