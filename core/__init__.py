"""Tradelane core: the composition root, the shared mechanisms and the business capabilities."""

__version__ = "0.1.0"

# The plugin API follows semantic versioning on its own: hooks and ports only grow within a
# major version. Third-party plugins declare `tradelane>=0.1,<1` until 1.0 is released.
PLUGIN_API_VERSION = "0.2"
