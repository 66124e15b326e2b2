"""The `ganger` command: parse, call the library, render. The library never prints."""
