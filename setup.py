# Kept only for tools that still call "setup.py"; all metadata is in
# setup.cfg and the build backend is declared in pyproject.toml.
import setuptools

setuptools.setup()
