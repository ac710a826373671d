"""The edges of the node: adapters that implement the ports over real infrastructure."""
