"""Linux packaging: the bundle, the portable tarball and the .deb (package.py)."""
