// Role assignments with conditions, in the shapes Bicep authors write them.
param principalId string
param storageAccountName string

// A condition kept in a variable, single-line, with Bicep's escapes.
var readLogs = '((!(ActionMatches{\'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read\'})) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:nmae] StringEquals \'logs\'))'

// A template filled in with replace(), and a user-defined function.
var template = '((!(ActionMatches{\'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read\'})) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals \'CONTAINER\'))'
func containerCondition(container string) string => '@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals \'${container}\''

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource logsReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, 'logs')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1')
    principalId: principalId
    principalType: 'ServicePrincipal'
    condition: readLogs
    conditionVersion: '2.0'
  }
}

resource taggedReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, 'tagged')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1')
    principalId: principalId
    condition: '''
(
 (
  !(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'} AND NOT SubOperationMatches{'Blob.List'})
 )
 OR
 (
  @Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags:Project<$key_case_sensitive$>] StringEquals "Cascade"
 )
)'''
    conditionVersion: '2.0'
  }
}

module account 'br/public:avm/res/storage/storage-account:0.14.3' = {
  name: 'account'
  params: {
    name: storageAccountName
    roleAssignments: [
      {
        principalId: principalId
        roleDefinitionIdOrName: 'Storage Blob Data Contributor'
        condition: replace(template, 'CONTAINER', 'reports')
        conditionVersion: '2.0'
      }
      {
        principalId: principalId
        roleDefinitionIdOrName: 'Storage Blob Data Contributor'
        condition: containerCondition('archive')
      }
      {
        principalId: principalId
        roleDefinitionIdOrName: 'Storage Blob Data Reader'
        condition: '((!(ActionMatches{\'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read\'})) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals \'${storageAccountName}\'))'
      }
    ]
  }
}
