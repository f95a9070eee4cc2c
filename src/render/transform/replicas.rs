//! `replicas`: sets `spec.replicas` on the Deployments, ReplicationControllers, ReplicaSets
//! and StatefulSets whose current or previous name matches; a name matching nothing is an
//! error.

use crate::render::fieldspec::FieldSpec;
use crate::render::kustomization::Replica;
use crate::render::resmap::ResMap;
use serde_json::Value;

pub fn apply(resources: &mut ResMap, replica: &Replica, specs: &[FieldSpec]) -> Result<(), String> {
    let mut matched = false;
    for r in resources.iter_mut() {
        if !r.all_ids().any(|id| id.name == replica.name) {
            continue;
        }
        let gvk = r.gvk();
        for fs in specs.iter().filter(|fs| fs.matches(&gvk)) {
            matched = true;
            fs.visit(&mut r.obj, &mut |v| {
                *v = Value::from(replica.count);
                Ok(())
            })?;
        }
    }
    if !matched {
        return Err(format!(
            "resource with name {} does not match a config with the following GVK [Deployment.[noVer].[noGrp] StatefulSet.[noVer].[noGrp] ReplicaSet.[noVer].[noGrp] ReplicationController.[noVer].[noGrp]]",
            replica.name
        ));
    }
    Ok(())
}
