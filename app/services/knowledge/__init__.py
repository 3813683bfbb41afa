"""Knowledge: the application's side of the knowledge base (the search engine itself is the
framework-free package knowledge_base/). Articles and their editor, the index kept in step with
every commit, search for the help center, the widget and agents, synonyms, content gaps and the
knowledge-base report, and the team's and agents' canned responses.

May import: platform, customers.
"""
