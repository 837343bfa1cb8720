"""The graph stage: modules linked into one project.
Takes every module's facts, the declared handlers and the callback catalogue (library calls that run a project function now); gives imports, call targets, entry points, reachability and pruning.
Must not touch syntax trees or files: facts only.
"""
