"""The project stage: paths, configuration and files.
Takes the paths and options a user gives; gives the settings, the project root and the Python files to check.
Must not parse Python or read deployment descriptors.
"""
