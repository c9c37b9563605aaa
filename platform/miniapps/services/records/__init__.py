"""Records: create, edit and move through the workflow, list, comment, attach files, audit."""
