"""One module per checklist section: evidence in, list[Check] out. No HTTP here: ask a source."""
