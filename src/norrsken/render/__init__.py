"""From emission to pictures: maps now; cameras, ray marching and scenes as they land."""
