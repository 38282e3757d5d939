package roster

import (
	"slate/engine"
	"slate/engine/provider"
	"slate/engine/veo"
)

// hosted are the hosted-engine adapters this build knows, by the name an
// entry's adapter field gives.
var hosted = map[string]func(provider.Config) (engine.Engine, error){
	"veo": func(c provider.Config) (engine.Engine, error) { return veo.New(c) },
}
