"""TinyParcel: an example third-party Tradelane carrier plugin (docs/plugins.md)."""
