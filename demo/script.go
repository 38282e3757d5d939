package demo

import "slate"

type shotSpec struct {
	name       string
	durationMS int64
	prompt     string
	camera     slate.Camera
	tags       []string
}

type sceneSpec struct {
	input slate.SceneInput
	tags  []string
	shots []shotSpec
}

type actSpec struct {
	name, description string
	scenes            []sceneSpec
}

// script is the demo film: a short about a lighthouse keeper and a storm,
// with enough variety (tags, cameras, durations) to exercise selection and
// the tree view.
var script = []actSpec{
	{
		name:        "Arrival",
		description: "A new keeper reaches the lighthouse as the weather turns.",
		scenes: []sceneSpec{
			{
				input: slate.SceneInput{Name: "The Cliff Road", Location: "Coastal cliff road", TimeOfDay: "dusk",
					Description: "A lone figure walks the cliff road towards the lighthouse."},
				tags: []string{"exterior"},
				shots: []shotSpec{
					{"Establishing: lighthouse on the cliff", 6000,
						"Aerial view of a white lighthouse on a rugged cliff at dusk, waves crashing below, moody orange and blue sky, cinematic",
						slate.Camera{ShotType: "extreme wide", Angle: "high", Movement: "slow drone push-in", Lens: "24mm"}, nil},
					{"The keeper walks", 5000,
						"A man in a heavy wool coat carrying a duffel bag walks along a narrow cliff path, wind tugging at his coat, golden hour light",
						slate.Camera{ShotType: "wide", Angle: "eye level", Movement: "tracking", Lens: "35mm"}, nil},
					{"First look at the tower", 4000,
						"Close-up of a weathered face looking up, the lighthouse reflected in his eyes, light rain beginning",
						slate.Camera{ShotType: "close-up", Angle: "low", Movement: "static", Lens: "85mm"}, []string{"for review"}},
				},
			},
			{
				input: slate.SceneInput{Name: "Keeper's Cottage", Location: "Cottage at the foot of the tower", TimeOfDay: "night",
					Description: "He settles in and finds the old keeper's logbook."},
				tags: []string{"interior"},
				shots: []shotSpec{
					{"Door creaks open", 3000,
						"A wooden door creaks open into a dusty, candle-lit cottage room, shadows dancing on stone walls",
						slate.Camera{ShotType: "medium", Angle: "eye level", Movement: "dolly in", Lens: "35mm"}, nil},
					{"The logbook", 5000,
						"Hands brush dust off a leather-bound logbook on a wooden table, candlelight flickering, handwritten pages",
						slate.Camera{ShotType: "insert", Angle: "top down", Movement: "static", Lens: "50mm macro"}, []string{"hero shot"}},
					{"Storm on the window", 4000,
						"Rain lashes against a small cottage window at night, lightning illuminating the lighthouse outside",
						slate.Camera{ShotType: "medium close-up", Angle: "eye level", Movement: "slow push-in", Lens: "50mm"}, nil},
				},
			},
		},
	},
	{
		name:        "The Storm",
		description: "The lamp fails at the worst moment and a ship is in danger.",
		scenes: []sceneSpec{
			{
				input: slate.SceneInput{Name: "Lamp Room", Location: "Top of the lighthouse", TimeOfDay: "night",
					Description: "The great lamp sputters; he fights to relight it."},
				tags: []string{"interior", "vfx"},
				shots: []shotSpec{
					{"Climbing the spiral stairs", 5000,
						"Looking up a cast-iron spiral staircase as a man climbs with a lantern, storm thundering outside",
						slate.Camera{ShotType: "wide", Angle: "low", Movement: "handheld", Lens: "18mm"}, nil},
					{"The lamp fails", 3000,
						"A huge Fresnel lighthouse lens goes dark with a final flicker, glass prisms reflecting lightning",
						slate.Camera{ShotType: "close-up", Angle: "eye level", Movement: "static", Lens: "50mm"}, []string{"for review"}},
					{"Relighting the lamp", 7000,
						"Sweat and rain on his face as he strikes a match and relights the lamp, light bursting through the prisms",
						slate.Camera{ShotType: "medium", Angle: "eye level", Movement: "slow orbit", Lens: "35mm"}, []string{"hero shot"}},
				},
			},
			{
				input: slate.SceneInput{Name: "Morning After", Location: "Rocky shore", TimeOfDay: "dawn",
					Description: "The storm has passed; the ship is safe in the bay."},
				tags: []string{"exterior", "for review"},
				shots: []shotSpec{
					{"Calm sea at dawn", 6000,
						"A calm grey-blue sea at dawn, a fishing ship anchored safely in the bay, mist lifting",
						slate.Camera{ShotType: "extreme wide", Angle: "eye level", Movement: "slow pan right", Lens: "24mm"}, nil},
					{"The keeper on the rocks", 5000,
						"The tired keeper sits on wet rocks with a tin mug of coffee, watching the sunrise, lighthouse behind him",
						slate.Camera{ShotType: "wide", Angle: "eye level", Movement: "static", Lens: "35mm"}, nil},
					{"Final beam", 8000,
						"The lighthouse beam makes one last sweep across the morning sky before switching off, camera cranes up",
						slate.Camera{ShotType: "wide", Angle: "low", Movement: "crane up", Lens: "24mm"}, nil},
				},
			},
		},
	},
}
