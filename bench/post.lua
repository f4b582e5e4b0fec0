-- wrk: the same valid request for every server (POST /mfa/primary, Bearer token, JSON body).
wrk.method = "POST"
wrk.path = "/mfa/primary"
wrk.body = '{"mfaType":"PASSKEY"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench-token-0001"
