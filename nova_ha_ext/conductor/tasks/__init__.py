"""Task classes of the HA conductor, in the style of Nova's conductor tasks."""
