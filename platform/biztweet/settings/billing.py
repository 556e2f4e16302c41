"""Stripe (only billing/ imports stripe)."""

from biztweet.env import ENV

STRIPE_SECRET_KEY = ENV.stripe_secret_key
STRIPE_WEBHOOK_SECRET = ENV.stripe_webhook_secret
STRIPE_API_BASE = ENV.stripe_api_base
