"""Second factors: authenticator apps (TOTP) with recovery codes, and passkeys (WebAuthn).

`state` says what a session proved (amr, acr, when the second factor was last checked); `totp`,
`recovery` and `passkeys` hold the factors; `login_views` is the second step of logging in (and
the step-up check), `views` the account's security page.
"""
