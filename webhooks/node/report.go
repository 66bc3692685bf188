package node

import "context"

// Reporter surfaces facts admitted as reported that disagree with the
// policy (an Event on the Node and a metric, in the server).
type Reporter interface {
	Disagreement(ctx context.Context, d Disagreement)
}
