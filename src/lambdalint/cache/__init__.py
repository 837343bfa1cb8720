"""The cache: per-file facts by content hash, the run memo, its reuse, and sweeping.
Takes what a run read and found; gives it back to a later run when nothing it depends on changed.
Must treat every file in the cache folder as untrusted input, and never change a result.
"""
