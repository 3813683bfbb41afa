"""The console's Reports pages (support, lifecycle, loyalty, buying, outreach, knowledge base), registered
on the console blueprint by app/console/__init__.py."""
