"""Accord: an open-source influencer marketing platform."""

__version__ = "0.1.0"
