"""The writers layer: tables (JSON Lines, CSV, Excel) and the HTML page of a run."""
