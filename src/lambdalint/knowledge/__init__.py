"""What lambdalint knows about libraries: the catalogues of rules/catalog/, loaded into typed objects.
Takes the built-in TOML and the user's [tool.lambdalint] entries; gives Catalog, GrowthCatalog, WorkCatalog, SnapStartCatalog, ContextCatalog, CallbackCatalog.
Must not import any other stage.
"""
