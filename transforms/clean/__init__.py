"""Clean: strip boilerplate by rule and by learned repetition, and record what it reveals
(agencies, datelines, bylines, licences). Pure except the `beam_*` modules."""
