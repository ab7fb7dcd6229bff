"""Writes to videos: ``upload`` (accept a file, create the Video) and ``transcode`` (make it playable)."""
