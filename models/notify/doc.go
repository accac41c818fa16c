// Package notify gets alerts to the people who can act on them: subscriptions by role, team
// or scope (Subscription, Matches), one delivery per alert, subscription and channel queued in
// the store's outbox with the alert itself (Deliveries; registry.RecordAlerts), and a
// Deliverer that sends them — webhooks as signed JSON (Sign, Verify), e-mail through the
// operator's SMTP server (SMTP, Message) — retrying with exponential backoff (Policy) until a
// delivery is done or becomes a dead letter. Acknowledging an alert, or muting its scope and
// metric for a while, keeps it quiet (State, Quiet).
//
// # Exactly once
//
// An alert and its deliveries are written in one transaction, so a crash loses neither; a
// delivery's id is made from the alert, the subscription and the channel, so raising the
// same alert again queues nothing twice; a delivery leaves the outbox in the transaction that
// records its successful attempt, so a restart resumes with what is still due. The one window
// left is a crash after the receiver answered 2xx and before that transaction: the delivery is
// then sent again after the restart with the same X-Growthlens-Delivery id, which a receiver
// drops if it has seen it (the webhook contract says so).
//
// What this package must not do: decide when an alert fires (package alert and diagnose do),
// know about HTTP routes or API keys, or log a secret.
package notify
