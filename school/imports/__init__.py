"""Reading spreadsheets that organizers upload: safe opening, cell values, row-level reports."""
