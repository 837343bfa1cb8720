"""The index stage: source bytes in, ``ModuleFacts`` out. The only stage (with
``lambdalint.fix``) that knows libcst."""

from lambdalint.index.build import index_source

__all__ = ["index_source"]
