"""Orders: the order list, the order and every step of its life."""
