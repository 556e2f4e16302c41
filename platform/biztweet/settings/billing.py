"""Stripe (only billing/ imports stripe)."""

from biztweet.env import ENV

STRIPE_SECRET_KEY = ENV.stripe_secret_key
STRIPE_WEBHOOK_SECRET = ENV.stripe_webhook_secret
# Set for a Stripe-compatible server (localstripe in tests); empty means Stripe itself, and only then
# are Checkout and the Customer Portal offered.
STRIPE_API_BASE = ENV.stripe_api_base
# Seconds a seat sync waits after a directory change, so a burst of changes becomes one Stripe call.
BILLING_SEAT_SYNC_DELAY = 10
