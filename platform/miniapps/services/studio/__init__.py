"""The app studio's services: drafts with their saves, publishing a draft (changes in
words, the effect of a migration on stored records), the gallery of starting points."""
