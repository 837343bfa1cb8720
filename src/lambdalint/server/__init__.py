"""The language server (``lambdalint server``): the pipeline kept warm in memory for an editor.
Takes the editor's open buffers (unsaved text), file events and code action requests over stdio (pygls).
Gives diagnostics and fixes equal to `check`'s; must not write a file nor import the user's code.
"""
