"""One module per report section; each returns an HTML fragment (or "" to skip)."""
