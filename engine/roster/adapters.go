package roster

import (
	"slate/engine"
	"slate/engine/fal"
	"slate/engine/luma"
	"slate/engine/provider"
	"slate/engine/replicate"
	"slate/engine/runway"
	"slate/engine/veo"
	"slate/engine/xai"
)

// hosted are the hosted-engine adapters this build knows, by the name an
// entry's adapter field gives.
var hosted = map[string]func(provider.Config) (engine.Engine, error){
	"fal":       func(c provider.Config) (engine.Engine, error) { return fal.New(c) },
	"luma":      func(c provider.Config) (engine.Engine, error) { return luma.New(c) },
	"replicate": func(c provider.Config) (engine.Engine, error) { return replicate.New(c) },
	"runway":    func(c provider.Config) (engine.Engine, error) { return runway.New(c) },
	"veo":       func(c provider.Config) (engine.Engine, error) { return veo.New(c) },
	"xai":       func(c provider.Config) (engine.Engine, error) { return xai.New(c) },
}
