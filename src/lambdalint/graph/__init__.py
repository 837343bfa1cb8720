"""The graph stage: modules linked into one project.
Takes every module's facts and the declared handlers; gives imports, call targets, entry points, reachability and pruning.
Must not touch syntax trees or files: facts only.
"""
