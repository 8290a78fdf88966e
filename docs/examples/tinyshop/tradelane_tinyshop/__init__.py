"""TinyShop: a minimal Tradelane channel plugin (see README.md)."""
