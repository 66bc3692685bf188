package e2e

import (
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

func rawPatch(pt types.PatchType, data []byte) client.Patch { return client.RawPatch(pt, data) }
