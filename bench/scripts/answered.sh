# Sourced by the measurement scripts here. answered_now NETWORK_DIR prints how many transactions the
# verifier has answered so far: its RESPONSEs published (GET /v1/status), read from the network's own
# verifier URL. Counting the verifier's answers, not the launcher's log lines, ties the count to the
# moment it is taken.
answered_now() {
  local url
  url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["verifier"]["url"])' "$1/network.json")
  curl -s "$url/v1/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["published"]["responses"])'
}
